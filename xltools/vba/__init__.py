"""Write a VBA project (``vbaProject.bin``) from ``.bas`` / ``.cls`` sources, without Office.

``ovba``    MS-OVBA compression and data encryption (the byte codecs);
``cfb``     MS-CFB, the compound-file container ("OLE2") the project is stored in;
``project`` the ``dir``, ``PROJECT``, ``PROJECTwm`` and module streams.

Modules are stored as source only (no compiled p-code): Office compiles them when it opens the file.
"""
