"""cardtext"""
